// A restricted pickle machine: it runs only the opcodes that saved state dicts use and resolves globals
// through an allowlist supplied by the caller, so a hostile pickle cannot import or call anything else.
// Python values map to JS as: dict → Map (OrderedDict → PickleOrderedDict), list → array, tuple → frozen array,
// str → string, int → number (bigint past 2^53), float → number, bool, None → null, bytes → Buffer.

/** A Python global the caller allows: REDUCE calls it with the argument tuple. */
export interface PickleGlobal {
  readonly qualifiedName: string;
  call(args: readonly unknown[]): unknown;
}

export interface UnpickleOptions {
  /** The allowed global for `module.name`, or undefined to refuse it. */
  findGlobal(module: string, name: string): PickleGlobal | undefined;
  /** Resolves a persistent id (BINPERSID), e.g. torch's ('storage', type, key, location, numel). */
  persistentLoad?(pid: unknown): unknown;
}

/** collections.OrderedDict; `attributes` holds what BUILD sets on it (a state dict's `_metadata`). */
export class PickleOrderedDict extends Map<unknown, unknown> {
  readonly attributes = new Map<string, unknown>();
}

export const orderedDictGlobal: PickleGlobal = {
  qualifiedName: 'collections.OrderedDict',
  call: (args) => {
    if (args.length > 0) throw new Error('collections.OrderedDict(...) is only read with no arguments');
    return new PickleOrderedDict();
  },
};

/** Refusal of a global outside the allowlist; the message names it. */
export class PickleRefusedError extends Error {}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): { value: unknown; end: number } {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let at = start;

  const need = (n: number) => {
    if (at + n > data.length) throw new Error(`pickle data ends at byte ${data.length}, inside an opcode that needs ${n} more bytes (truncated file?)`);
    const begin = at;
    at += n;
    return begin;
  };
  const pop = () => {
    if (stack.length === 0 || stack.length <= (marks[marks.length - 1] ?? -1)) throw new Error(`pickle stack underflow at byte ${at}`);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw new Error(`pickle stack underflow at byte ${at}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const mark = marks.pop();
    if (mark === undefined) throw new Error(`pickle opcode at byte ${at} needs a MARK and there is none`);
    return stack.splice(mark);
  };
  const readLine = () => {
    const end = data.indexOf(0x0a, at);
    if (end < 0) throw new Error(`pickle data ends inside a text line at byte ${at}`);
    const line = data.toString('latin1', at, end);
    at = end + 1;
    return line;
  };
  const utf8 = (n: number) => data.toString('utf8', need(n), at);
  const int = (value: bigint) => (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);
  const tuple = (items: unknown[]) => Object.freeze(items);
  const global = (module: string, name: string) => {
    const found = options.findGlobal(module, name);
    if (!found) throw new PickleRefusedError(`${module}.${name}`);
    return found;
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) throw new Error(`pickle SETITEM(S) at byte ${at} targets a ${describe(target)}, not a dict`);
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target) || Object.isFrozen(target)) throw new Error(`pickle APPEND(S) at byte ${at} targets a ${describe(target)}, not a list`);
    target.push(...items);
  };

  for (;;) {
    const opcodeAt = need(1);
    const op = data[opcodeAt];
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x95: need(8); break; // FRAME: framing is only a read-ahead hint
      case 0x2e: { // STOP
        if (stack.length !== 1) throw new Error(`pickle STOP with ${stack.length} values on the stack instead of 1`);
        return { value: stack[0], end: at };
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(data[need(1)]); break; // BININT1
      case 0x4d: stack.push(data.readUInt16LE(need(2))); break; // BININT2
      case 0x4a: stack.push(data.readInt32LE(need(4))); break; // BININT
      case 0x8a: { // LONG1
        const n = data[need(1)];
        const begin = need(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[begin + i]);
        if (n > 0 && data[begin + n - 1] & 0x80) value -= 1n << BigInt(8 * n);
        stack.push(int(value));
        break;
      }
      case 0x49: { // INT (text): also spells booleans as 00/01
        const line = readLine();
        stack.push(line === '00' ? false : line === '01' ? true : int(BigInt(line)));
        break;
      }
      case 0x4c: stack.push(int(BigInt(readLine().replace(/L$/, '')))); break; // LONG (text)
      case 0x47: stack.push(data.readDoubleBE(need(8))); break; // BINFLOAT
      case 0x58: stack.push(utf8(data.readUInt32LE(need(4)))); break; // BINUNICODE
      case 0x8c: stack.push(utf8(data[need(1)])); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(Number(data.readBigUInt64LE(need(8))))); break; // BINUNICODE8
      case 0x55: { const n = data[need(1)]; stack.push(data.toString('latin1', need(n), at)); break; } // SHORT_BINSTRING
      case 0x54: { const n = data.readInt32LE(need(4)); stack.push(data.toString('latin1', need(n), at)); break; } // BINSTRING
      case 0x43: { const n = data[need(1)]; stack.push(Buffer.from(data.subarray(need(n), at))); break; } // SHORT_BINBYTES
      case 0x42: { const n = data.readUInt32LE(need(4)); stack.push(Buffer.from(data.subarray(need(n), at))); break; } // BINBYTES
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(tuple([])); break; // EMPTY_TUPLE
      case 0x85: stack.push(tuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(tuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(tuple([a, b, c])); break; } // TUPLE3
      case 0x74: stack.push(tuple(popMark())); break; // TUPLE
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { const dict = new Map(); setItems(dict, popMark()); stack.push(dict); break; } // DICT
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x61: { const item = pop(); append(top(), [item]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x71: memo.set(data[need(1)], top()); break; // BINPUT
      case 0x72: memo.set(data.readUInt32LE(need(4)), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const index = op === 0x68 ? data[need(1)] : data.readUInt32LE(need(4));
        if (!memo.has(index)) throw new Error(`pickle BINGET at byte ${opcodeAt} reads memo slot ${index}, which was never set`);
        stack.push(memo.get(index));
        break;
      }
      case 0x63: { const module = readLine(); stack.push(global(module, readLine())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new Error(`pickle STACK_GLOBAL at byte ${opcodeAt} needs two strings`);
        stack.push(global(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!isGlobal(callable)) throw new Error(`pickle REDUCE at byte ${opcodeAt} calls a ${describe(callable)}, not an allowed global`);
        if (!Array.isArray(args)) throw new Error(`pickle REDUCE at byte ${opcodeAt} passes a ${describe(args)} as arguments to ${callable.qualifiedName}`);
        stack.push(callable.call(args));
        break;
      }
      case 0x62: { // BUILD: only an OrderedDict's attributes (a state dict's _metadata)
        const state = pop();
        const target = top();
        if (!(target instanceof PickleOrderedDict) || !(state instanceof Map)) {
          throw new Error(`pickle BUILD at byte ${opcodeAt} sets state on a ${describe(target)}; only an OrderedDict's attributes are read`);
        }
        for (const [key, value] of state) target.attributes.set(String(key), value);
        break;
      }
      case 0x51: { // BINPERSID
        if (!options.persistentLoad) throw new Error(`pickle BINPERSID at byte ${opcodeAt}: this file has no storages to refer to`);
        stack.push(options.persistentLoad(pop()));
        break;
      }
      default:
        throw new Error(`pickle opcode 0x${op.toString(16).padStart(2, '0')} (${JSON.stringify(String.fromCharCode(op))}) at byte ${opcodeAt} is not one a state dict uses`);
    }
  }
}

function isGlobal(value: unknown): value is PickleGlobal {
  return typeof value === 'object' && value !== null && typeof (value as PickleGlobal).call === 'function' && 'qualifiedName' in value;
}

function describe(value: unknown): string {
  if (value === null) return 'None';
  if (isGlobal(value)) return value.qualifiedName;
  if (value instanceof Map) return 'dict';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'list';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** Writes pickle protocol 2, the protocol torch.save uses, one opcode at a time. */
export class PickleWriter {
  private readonly parts: Buffer[] = [Buffer.from([0x80, 2])];

  private op(code: number, payload?: Buffer): this {
    this.parts.push(Buffer.from([code]));
    if (payload) this.parts.push(payload);
    return this;
  }

  mark(): this { return this.op(0x28); }
  none(): this { return this.op(0x4e); }
  bool(value: boolean): this { return this.op(value ? 0x88 : 0x89); }
  emptyDict(): this { return this.op(0x7d); }
  emptyTuple(): this { return this.op(0x29); }
  tuple(): this { return this.op(0x74); }
  setItems(): this { return this.op(0x75); }
  reduce(): this { return this.op(0x52); }
  build(): this { return this.op(0x62); }
  persistentId(): this { return this.op(0x51); }
  global(module: string, name: string): this { return this.op(0x63, Buffer.from(`${module}\n${name}\n`, 'latin1')); }

  string(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(bytes.length);
    return this.op(0x58, Buffer.concat([length, bytes]));
  }

  int(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`PickleWriter.int: ${value} is not a safe integer`);
    if (value >= 0 && value < 0x100) return this.op(0x4b, Buffer.from([value]));
    if (value >= 0 && value < 0x10000) { const b = Buffer.alloc(2); b.writeUInt16LE(value); return this.op(0x4d, b); }
    if (value >= -0x80000000 && value < 0x80000000) { const b = Buffer.alloc(4); b.writeInt32LE(value); return this.op(0x4a, b); }
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(value));
    return this.op(0x8a, Buffer.concat([Buffer.from([8]), b]));
  }

  /** A tuple of small integers (sizes and strides). */
  intTuple(values: readonly number[]): this {
    this.mark();
    values.forEach((v) => this.int(v));
    return this.tuple();
  }

  finish(): Buffer {
    this.op(0x2e);
    return Buffer.concat(this.parts);
  }
}
