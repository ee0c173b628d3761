// The zip container of torch.save: read (stored or deflated entries, ZIP64) and write (stored entries whose data
// start on 64-byte boundaries, padded with the 'FB' extra field as PyTorch's writer does, so loaders can mmap them).
// Kept by hand on purpose: npm's zip libraries either only read (yauzl) or only write (yazl), or read and write
// without a say in where an entry's data starts (adm-zip, JSZip, fflate), and none pads entries to PyTorch's
// 64-byte alignment; this file is the ~150 lines of the format that torch.save and torch.load use, on node:zlib.
import { crc32, inflateRawSync } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const PADDING_EXTRA = 0x4246; // 'FB'
const ALIGNMENT = 64;
const U32_MAX = 0xffffffff;

/** Thrown for a damaged or foreign archive; the caller names the file. */
export class ZipFormatError extends Error {}

/** The entries of a zip archive by name, in archive order; each is a view into `archive`, checked against its CRC-32. */
export function readZip(archive: Buffer): Map<string, Buffer> {
  const bad = (why: string) => new ZipFormatError(why);
  const searchFrom = Math.max(0, archive.length - 22 - 0xffff);
  let end = -1;
  for (let i = archive.length - 22; i >= searchFrom; i--) {
    if (archive.readUInt32LE(i) === END_OF_DIRECTORY) { end = i; break; }
  }
  if (end < 0) throw bad('no zip end-of-directory record (not a zip archive, or truncated)');
  let count = archive.readUInt16LE(end + 10);
  let directorySize = archive.readUInt32LE(end + 12);
  let directoryOffset = archive.readUInt32LE(end + 16);
  if (end >= 20 && archive.readUInt32LE(end - 20) === ZIP64_LOCATOR) {
    const record = Number(archive.readBigUInt64LE(end - 20 + 8));
    if (record + 56 > archive.length || archive.readUInt32LE(record) !== ZIP64_END_OF_DIRECTORY) throw bad('the ZIP64 end-of-directory record is missing');
    count = Number(archive.readBigUInt64LE(record + 32));
    directorySize = Number(archive.readBigUInt64LE(record + 40));
    directoryOffset = Number(archive.readBigUInt64LE(record + 48));
  }
  if (directoryOffset + directorySize > archive.length) throw bad(`the central directory (${directorySize} bytes at ${directoryOffset}) lies past the end of the ${archive.length}-byte file (truncated?)`);

  const entries = new Map<string, Buffer>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > archive.length || archive.readUInt32LE(at) !== CENTRAL_HEADER) throw bad(`central directory entry ${i} is damaged`);
    const method = archive.readUInt16LE(at + 10);
    const crc = archive.readUInt32LE(at + 16);
    let compressedSize = archive.readUInt32LE(at + 20);
    let size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    let offset = archive.readUInt32LE(at + 42);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    // ZIP64 sizes and offset, present only for the fields that overflowed, in this order.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = archive.readUInt16LE(x);
      const length = archive.readUInt16LE(x + 2);
      if (id === ZIP64_EXTRA) {
        let field = x + 4;
        const next = () => { const v = Number(archive.readBigUInt64LE(field)); field += 8; return v; };
        if (size === U32_MAX) size = next();
        if (compressedSize === U32_MAX) compressedSize = next();
        if (offset === U32_MAX) offset = next();
      }
      x += 4 + length;
    }
    at += 46 + nameLength + extraLength + commentLength;

    if (offset + 30 > archive.length || archive.readUInt32LE(offset) !== LOCAL_HEADER) throw bad(`the local header of '${name}' is damaged`);
    const start = offset + 30 + archive.readUInt16LE(offset + 26) + archive.readUInt16LE(offset + 28);
    if (start + compressedSize > archive.length) throw bad(`'${name}' runs past the end of the file (truncated?)`);
    const stored = archive.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === 0) data = stored;
    else if (method === 8) data = inflateRawSync(stored);
    else throw bad(`'${name}' uses compression method ${method}; only stored and deflated entries are read`);
    if (data.length !== size) throw bad(`'${name}' holds ${data.length} bytes, its header says ${size}`);
    if (crc32(data) !== crc) throw bad(`'${name}' fails its CRC-32 check (the file is damaged)`);
    entries.set(name, data);
  }
  return entries;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** A zip archive of stored entries, as the chunks to write in order. */
export function writeZip(entries: ZipEntry[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const directory: Buffer[] = [];
  let cursor = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const large = data.length >= U32_MAX || cursor >= U32_MAX;
    const zip64Local = large ? zip64Extra([data.length, data.length]) : Buffer.alloc(0);
    const unpadded = cursor + 30 + nameBytes.length + zip64Local.length + 4;
    const padding = Buffer.alloc(4 + ((ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT), 'Z');
    padding.writeUInt16LE(PADDING_EXTRA, 0);
    padding.writeUInt16LE(padding.length - 4, 2);
    const crc = crc32(data);
    const sizeField = large ? U32_MAX : data.length;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(large ? 45 : 20, 4); // version needed
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(sizeField, 18);
    local.writeUInt32LE(sizeField, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(zip64Local.length + padding.length, 28);
    chunks.push(local, nameBytes, zip64Local, padding, data);

    const zip64Central = large ? zip64Extra([data.length, data.length, cursor]) : Buffer.alloc(0);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(large ? 45 : 20, 4); // version made by
    central.writeUInt16LE(large ? 45 : 20, 6); // version needed
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(sizeField, 20);
    central.writeUInt32LE(sizeField, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(zip64Central.length, 30);
    central.writeUInt32LE(large ? U32_MAX : cursor, 42);
    directory.push(central, nameBytes, zip64Central);
    cursor += 30 + nameBytes.length + zip64Local.length + padding.length + data.length;
  }
  const directorySize = directory.reduce((n, b) => n + b.length, 0);
  const directoryOffset = cursor;
  chunks.push(...directory);
  const zip64 = entries.length >= 0xffff || directoryOffset + directorySize >= U32_MAX;
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(ZIP64_END_OF_DIRECTORY, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(directorySize), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(ZIP64_LOCATOR, 0);
    locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
    locator.writeUInt32LE(1, 16);
    chunks.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_DIRECTORY, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? U32_MAX : directorySize, 12);
  end.writeUInt32LE(zip64 ? U32_MAX : directoryOffset, 16);
  chunks.push(end);
  return chunks;
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(ZIP64_EXTRA, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return extra;
}
