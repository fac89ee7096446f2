// fs-storage: objects as files under the plugin's private data folder.
import { definePlugin } from '../../../sdk/typescript/src/index.js';
import { parseConfig } from './config.js';
import { FsStore } from './store.js';

export default definePlugin({
  type: 'storage',
  async create(host) {
    const config = parseConfig(host.dataDir, host.config);
    const store = new FsStore(config);
    await store.open();
    host.log.info(`fs-storage: storing objects under ${config.root} (max ${config.maxObjectBytes} bytes each)`);
    return {
      put: (key, object, ctx) => store.put(key, object, ctx.signal),
      get: (key, ctx) => {
        ctx.signal.throwIfAborted();
        return store.get(key);
      },
      delete: (key, ctx) => {
        ctx.signal.throwIfAborted();
        return store.delete(key);
      },
      list: (prefix, limit, ctx) => store.list(prefix, limit, ctx.signal),
      health: () => store.check(),
    };
  },
});
