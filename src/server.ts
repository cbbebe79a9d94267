import { start } from "./start";

start(process.argv.includes("--dev") ? "development" : "production");
