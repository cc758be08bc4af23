/**
 * An MQTT subscriber for the scale tests (the `mqtt` package, the client most Node.js consumers
 * use): records every message with its topic, parsed payload, QoS and retain flag, in arrival
 * order, and offers a barrier that proves everything sent before it has arrived.
 */
import mqtt, { type MqttClient } from 'mqtt';

/** Longest wait of {@link MqttRecorder.connect} and of the barrier (10 s): loopback answers in milliseconds. */
const MQTT_WAIT_MS = 10_000;

/** One received message. */
export interface ReceivedMessage {
  topic: string;
  /** The payload parsed as JSON (the fan-out publishes JSON), or the text when it is not JSON. */
  payload: unknown;
  qos: number;
  retain: boolean;
}

function parsePayload(buffer: Buffer): unknown {
  const text = buffer.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON: kept as text so the assertion shows what arrived
  }
}

/** A connected subscriber; see the module comment. */
export class MqttRecorder {
  /** Every message received so far, in order (barrier messages excluded). */
  readonly messages: ReceivedMessage[] = [];
  private readonly barriers = new Set<string>();
  private barrierCount = 0;

  private constructor(private readonly client: MqttClient, private readonly barrierTopic: string) {
    client.on('message', (topic, payload, packet) => {
      if (topic === barrierTopic) {
        this.barriers.add(payload.toString('utf8'));
        return;
      }
      this.messages.push({ topic, payload: parsePayload(payload), qos: packet.qos, retain: packet.retain });
    });
  }

  /**
   * Connects to `url` (clean session, no automatic reconnect: a dropped connection in a test is
   * a failure to see, not to paper over) and subscribes to `filter` and a private barrier topic
   * with QoS 1.
   */
  static async connect(url: string, filter: string, clientId: string): Promise<MqttRecorder> {
    const client = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0, connectTimeout: MQTT_WAIT_MS });
    const recorder = new MqttRecorder(client, `test-barrier/${clientId}`);
    await client.subscribeAsync([filter, recorder.barrierTopic], { qos: 1 });
    return recorder;
  }

  /**
   * Publishes a marker to this client's own barrier topic and waits for it to come back. The
   * broker delivers one client's messages in order, so once the marker is back every message
   * the broker queued for this client before it (retained ones included) has arrived.
   */
  async barrier(): Promise<void> {
    const marker = `barrier-${++this.barrierCount}`;
    await this.client.publishAsync(this.barrierTopic, marker, { qos: 1 });
    const deadline = Date.now() + MQTT_WAIT_MS;
    while (!this.barriers.has(marker)) {
      if (Date.now() > deadline) throw new Error(`the MQTT barrier ${marker} did not come back within ${MQTT_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Disconnects (bounded: a broker already gone must not hang the test). */
  async close(): Promise<void> {
    await Promise.race([this.client.endAsync(true), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }
}
