// The generator's product: output-relative path → file text, in code-point order of paths.
export type FileMap = ReadonlyMap<string, string>;
