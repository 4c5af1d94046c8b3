/** RPC endpoints and data channels: latency, loss, duplication, backpressure. */
export { RpcNetwork, defaultRpcLatency, type CapturedRpc, type RpcEnvelope, type RpcDetours, type RpcLatency, type RpcVerdict } from './rpc.js';
export { DataChannel, defaultChannelOptions, type CapturedBuffer, type ChannelBuffer, type ChannelOptions } from './data-channel.js';
