// SVG pictures to PNG through sharp (librsvg draws the shapes and text, with the system's fonts via fontconfig).
import sharp from 'sharp';

/** The PNG of an SVG document, at the size the SVG gives. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

/** Text safe inside SVG or HTML. */
export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
