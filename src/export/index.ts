// Deploying a trained run: a static web page that classifies in the browser.
export { webPreprocessing, writeWebApp, WEB_APP_FORMAT, type WebApp, type WebAppOptions, type WebPreprocessing, type WebStep } from './web.js';
