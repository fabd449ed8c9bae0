/** MQTT topics of CONTRACT §3: `rfid/v1/{schoolId}/{gatewayId}/{kind}`. */
export const TOPIC_ROOT = 'rfid/v1';
export const TOPIC_KINDS = ['taps', 'acks', 'status', 'roster', 'cmd'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

/** Ids used in topics: no MQTT wildcards or separators, nothing a file name would choke on. */
export const TOPIC_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export interface TopicAddress {
  schoolId: string;
  gatewayId: string;
  kind: TopicKind;
}

export function topicFor(schoolId: string, gatewayId: string, kind: TopicKind): string {
  for (const [name, id] of [
    ['schoolId', schoolId],
    ['gatewayId', gatewayId],
  ] as const) {
    if (!TOPIC_ID_PATTERN.test(id)) throw new Error(`${name} "${id}" cannot be used in an MQTT topic`);
  }
  return `${TOPIC_ROOT}/${schoolId}/${gatewayId}/${kind}`;
}

/** The prefix under which one gateway may publish and subscribe (the ACL of CONTRACT §3). */
export function gatewayTopicPrefix(schoolId: string, gatewayId: string): string {
  return `${TOPIC_ROOT}/${schoolId}/${gatewayId}/`;
}

/** Subscription of the server: one kind from every gateway of every school. */
export function allGatewaysTopic(kind: TopicKind): string {
  return `${TOPIC_ROOT}/+/+/${kind}`;
}

/** MQTT 5 / EMQX / Mosquitto shared subscription so several server instances split a stream. */
export function sharedTopic(group: string, topic: string): string {
  return `$share/${group}/${topic}`;
}

export function parseTopic(topic: string): TopicAddress | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , schoolId, gatewayId, kind] = parts as [string, string, string, string, string];
  if (!TOPIC_ID_PATTERN.test(schoolId) || !TOPIC_ID_PATTERN.test(gatewayId)) return null;
  if (!(TOPIC_KINDS as readonly string[]).includes(kind)) return null;
  return { schoolId, gatewayId, kind: kind as TopicKind };
}
