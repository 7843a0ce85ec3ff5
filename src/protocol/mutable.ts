/** Decoders fill a message's optional fields one by one before handing it out read-only. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
