export { createEmulator, DEFAULT_TEMPLATE } from './create-emulator.js';
export type { Emulator, EmulatorOptions } from './create-emulator.js';
export { startEmulator } from './start-emulator.js';
export type { RunningEmulator } from './start-emulator.js';
export type { FaultSettings } from './faults.js';
export type { TemplateDefinition, SentMessage } from './subscribe-gate.js';
export { KEYWORD_RULES } from './keyword-rules.js';
export { EMULATOR_QR_PREFIX, emulatorQrText } from './qr-code-route.js';
