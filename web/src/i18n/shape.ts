/** The shape of a namespace: the Arabic file must have exactly the English file's keys. */
export type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };
