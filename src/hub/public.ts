// The public hub namespace: this folder's API plus hub.load / hub.list, which build models and so live in models/.
export * from './index.js';
export { list, load, type HubLoadOptions } from '../models/hub-load.js';
