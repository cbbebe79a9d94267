// qrcode's browser build, which @types/qrcode does not name: the same `toString`, SVG only.
declare module "qrcode/lib/browser.js" {
  export { toString } from "qrcode";
}
