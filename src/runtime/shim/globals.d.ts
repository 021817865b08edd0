declare function queueMicrotask(fn: () => void): void;
