// A request the server refuses: its HTTP status and the one line the JSON answer gives as `error`.
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
