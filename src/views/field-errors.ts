/** What a refused form shows under each field in error, in words. */
export type FieldErrors<Field extends string> = Partial<Record<Field, string>>;
