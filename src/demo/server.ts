import { start } from "./start";

await start(process.argv.includes("--dev") ? "development" : "production");
