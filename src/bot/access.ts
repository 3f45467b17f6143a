/** Access rules live in the domain (pure); the bot and the flows share them. */
export * from "../domain/access.js";
