/**
 * The chat Lambda's memory. It mostly waits on the network, but a prompt may carry 20 MB of attachments to up to
 * eight models, and each model's request holds its own serialized copy (base64 inside JSON): `npm run bench` (chat
 * Lambda peak memory) measured 589 MB for eight models, 315 MB for four Bedrock models, 129 MB without attachments.
 */
export const CHAT_LAMBDA_MEMORY_MB = 1024
