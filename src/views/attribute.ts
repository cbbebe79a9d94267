import { escapeHtml } from "@kitajs/html";

/**
 * Text from outside the code (what a person typed, the app's name) for an attribute value.
 * @kitajs/html escapes only `"` there: then `&amp;` typed comes back as `&`, and `<` stands raw
 * in the markup. This escapes `&`, `<`, `>`, `"` and `'`, and @kitajs/html leaves the result be.
 */
export function attributeText(text: string): string {
  return escapeHtml(text);
}
