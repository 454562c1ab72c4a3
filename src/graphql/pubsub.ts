export { createAppPubSub, type AppPubSub, type Topics } from '../engine/events.ts';
