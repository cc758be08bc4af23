/**
 * The `ayla-dss-account` config node pointed at a simulator, as flow JSON. Pure data: usable by
 * test-helper flows (test/nodes/support/flow-kit.ts) and by flows deployed to a Node-RED child
 * process (test/security/) alike.
 */
import type { RunningSimulator } from '../../simulator/index';

/**
 * An account node with region `custom` and the simulator's four URLs (its device service too), field deployment, cloud
 * client type, `heartbeatTimeout` 90 s and TLS required for non-loopback hosts; `props` (at least
 * `id`) override or add any property, e.g. `name` or `credentials`.
 */
export function simulatorAccountNode(
  sim: Pick<RunningSimulator, 'streamUrl' | 'apiUrl' | 'userUrl'> & Partial<Pick<RunningSimulator, 'deviceUrl'>>,
  props: Record<string, unknown> & { id: string },
): Record<string, unknown> {
  return {
    type: 'ayla-dss-account',
    region: 'custom',
    deployment: 'field',
    clientType: 'cloud',
    streamUrl: sim.streamUrl,
    apiUrl: sim.apiUrl,
    userUrl: sim.userUrl,
    deviceUrl: sim.deviceUrl ?? '',
    heartbeatTimeout: 90,
    allowInsecure: false,
    ...props,
  };
}
