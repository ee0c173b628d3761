// Pictures in a grid, each with lines of caption under it, as SVG (the pictures embedded as PNG data: URIs).
import { escapeXml } from './svg-to-png.js';

export interface LabelledTile {
  png: Uint8Array;
  width: number;
  height: number;
  caption: string[];
}

const PAD = 8;
const LINE = 14;

/** The tiles in rows of `columns`; every cell is as large as the largest tile. */
export function labelledGridSvg(tiles: LabelledTile[], columns: number, title = ''): string {
  if (tiles.length === 0) throw new RangeError('labelledGridSvg: no pictures to lay out');
  const cellWidth = Math.max(...tiles.map((t) => t.width), 120);
  const lines = Math.max(...tiles.map((t) => t.caption.length));
  const cellHeight = Math.max(...tiles.map((t) => t.height)) + lines * LINE + 4;
  const cols = Math.min(columns, tiles.length);
  const titleHeight = title ? 24 : 0;
  const width = cols * (cellWidth + PAD) + PAD;
  const height = titleHeight + Math.ceil(tiles.length / cols) * (cellHeight + PAD) + PAD;
  const parts = tiles.map((tile, k) => {
    const x = PAD + (k % cols) * (cellWidth + PAD);
    const y = titleHeight + PAD + Math.floor(k / cols) * (cellHeight + PAD);
    const href = `data:image/png;base64,${Buffer.from(tile.png).toString('base64')}`;
    const captions = tile.caption.map((line, i) =>
      `<text x="${x + cellWidth / 2}" y="${y + tile.height + LINE * (i + 1)}" text-anchor="middle" font-size="11">${escapeXml(line)}</text>`);
    return [`<image x="${x + (cellWidth - tile.width) / 2}" y="${y}" width="${tile.width}" height="${tile.height}" href="${href}"/>`, ...captions].join('\n');
  });
  const heading = title ? `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>\n` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="white"/>\n${heading}${parts.join('\n')}\n</svg>\n`;
}
