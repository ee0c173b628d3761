// What a JPEG's header says, read from its markers without decoding: enough to choose the decoder and the DCT scale,
// and the EXIF orientation to apply. Hand-written: it is a walk over a few markers, and the npm readers of EXIF
// parse every tag (and are asynchronous or need the whole metadata block copied) to give this one number.

export interface JpegHeader {
  /** Colour components: 1 gray, 3 colour (YCbCr or RGB), 4 CMYK / YCCK. */
  components: number;
  /** Bits per sample: 8, or 12 (and 16 for lossless) in rare files. */
  precision: number;
  width: number;
  height: number;
  /** EXIF orientation 1..8 (1 when the file has none). */
  orientation: number;
}

/** True when the bytes begin as a JPEG does (SOI then a marker). */
export const isJpeg = (bytes: Uint8Array): boolean => bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** EXIF orientation from an APP1 segment's body (after the length), or 1. */
function exifOrientation(bytes: Uint8Array, start: number, end: number): number {
  // "Exif\0\0", then a TIFF header: byte order (II or MM), 42, the first IFD's offset; its entries are 12 bytes each.
  if (end - start < 14 || String.fromCharCode(...bytes.subarray(start, start + 4)) !== 'Exif') return 1;
  const tiff = start + 6;
  const little = bytes[tiff] === 0x49;
  const u16 = (at: number) => (at + 2 > end ? -1 : little ? bytes[at] | (bytes[at + 1] << 8) : (bytes[at] << 8) | bytes[at + 1]);
  const u32 = (at: number) => (at + 4 > end ? -1 : little ? (u16(at) + u16(at + 2) * 65536) : (u16(at) * 65536 + u16(at + 2)));
  const ifd = tiff + u32(tiff + 4);
  const entries = u16(ifd);
  for (let k = 0; k < entries; k++) {
    const entry = ifd + 2 + 12 * k;
    if (entry + 12 > end) break;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** The frame header (the first SOF marker) and EXIF orientation, or null where the bytes are no readable JPEG header. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | null {
  if (!isJpeg(bytes)) return null;
  let orientation = 1;
  for (let at = 2; at + 9 < bytes.length;) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) { at += 1; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) { at += 2; continue; } // markers without a length
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    // SOF0..SOF15, leaving out DHT (C4), JPG (C8) and DAC (CC): precision, height, width, component count.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {
        precision: bytes[at + 4], height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8],
        components: bytes[at + 9], orientation,
      };
    }
    if (marker === 0xe1 && orientation === 1) orientation = exifOrientation(bytes, at + 4, Math.min(bytes.length, at + 2 + length));
    at += 2 + length;
  }
  return null;
}
