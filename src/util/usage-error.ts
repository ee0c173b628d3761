/**
 * A mistake in how something was called (an unknown name, an option out of range, options that do not go together),
 * as opposed to a failure while running: the command line prints it as one line and exits with code 2.
 */
export class UsageError extends Error {}
