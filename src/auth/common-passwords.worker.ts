// Run once, in a worker of its own: the library's list (49k strings, with its decompression)
// stays in this worker's heap, which goes when it ends. Only the compact form comes back.
import { dictionary } from "@zxcvbn-ts/language-common";
import { compactWords } from "./common-passwords";

declare const self: Worker;

const { text, starts } = compactWords(dictionary["passwords-common"]);
self.postMessage({ text, starts }, [starts.buffer]);
