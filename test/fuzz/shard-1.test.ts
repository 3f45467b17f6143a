import { fuzzShard } from "./fuzz.js";

// One of the four shards of the 20,000-update fuzz test (see ./fuzz.ts).
fuzzShard(1, 4);
