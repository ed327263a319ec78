/** Reports a malformed structure; pure parsers take one so they need not know the device or path. */
export type Fail = (structure: string, message: string) => never;
