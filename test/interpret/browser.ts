// Opens a page from disk in Debian's headless chromium (through puppeteer-core, which downloads no browser) and
// says what a person would see: the images that did not decode, the console's errors, and a screenshot.
import { pathToFileURL } from 'node:url';

import puppeteer from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface PageCheck {
  images: { src: string; naturalWidth: number }[];
  consoleErrors: string[];
  screenshot: Uint8Array;
}

export async function checkPage(htmlPath: string, options: { width?: number; fullPage?: boolean } = {}): Promise<PageCheck> {
  // --no-sandbox: chromium's sandbox refuses to run as root, as tests in containers do
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: options.width ?? 1200, height: 900 });
    const consoleErrors: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    page.on('requestfailed', (request) => consoleErrors.push(`failed to load ${request.url()}`));
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    const images = await page.$$eval('img', (all) => all.map((img) => ({ src: img.getAttribute('src') ?? '', naturalWidth: img.naturalWidth })));
    const screenshot = await page.screenshot({ type: 'png', fullPage: options.fullPage ?? true });
    return { images, consoleErrors, screenshot };
  } finally {
    await browser.close();
  }
}
