// Worker threads start plain Node: register tsx as bin/cleartrail.js does, then run the worker.
require('tsx/cjs/api').register();
require('./fold-worker.ts');
