// The wire protocol version every envelope carries; bump on any incompatible change.
export const PROTOCOL_VERSION = 1 as const;
export const SUPPORTED_VERSIONS: readonly number[] = [PROTOCOL_VERSION];
