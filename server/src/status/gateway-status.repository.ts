/**
 * A gateway's last status and its terminals' (`gateways`, `terminals`), as the status messages
 * report them, and their outage history (`device_outages`, read by the staff alerts): a gateway's
 * offline report opens its outage (its terminals' state is then unknown: the gateway's outage
 * covers them, none is opened for them); an online report closes it, and opens or closes each
 * reported terminal's own outage.
 */
import { Injectable } from '@nestjs/common';
import type { TerminalStatus } from '@rfid/protocol';
import { Database } from '../db/database.service.js';

export type GatewayStatusReport =
  { online: true; version: string; queue: number; terminals: TerminalStatus[] } | { online: false };

@Injectable()
export class GatewayStatusRepository {
  constructor(private readonly db: Database) {}

  /**
   * Stores a status report of `at` in one transaction (the gateway's row locked, so reports of one
   * gateway apply in turn); returns whether the gateway was online before.
   */
  async record(
    gateway: { gatewayId: string; schoolId: string },
    s: GatewayStatusReport,
    at: Date,
  ): Promise<boolean> {
    return this.db.transaction(async (c) => {
      const [prev] = (
        await c.query<{ online: boolean }>('SELECT online FROM gateways WHERE id = $1 FOR UPDATE', [
          gateway.gatewayId,
        ])
      ).rows;
      if (s.online) {
        await c.query(
          `UPDATE gateways SET online = true, version = $2, queue = $3, terminals = $4::jsonb, last_seen_at = $5 WHERE id = $1`,
          [gateway.gatewayId, s.version, s.queue, JSON.stringify(s.terminals), at.toISOString()],
        );
        const iso = at.toISOString();
        await c.query(
          `UPDATE device_outages SET ended_at = $2 WHERE gateway_id = $1 AND terminal = '' AND ended_at IS NULL`,
          [gateway.gatewayId, iso],
        );
        // A terminal the gateway no longer reports was removed from its configuration.
        await c.query(
          `UPDATE device_outages SET ended_at = $3 WHERE gateway_id = $1 AND terminal <> '' AND terminal <> ALL($2::text[]) AND ended_at IS NULL`,
          [gateway.gatewayId, s.terminals.map((t) => t.id), iso],
        );
        if (s.terminals.length) {
          const down = s.terminals.filter((t) => !t.online).map((t) => t.id);
          const up = s.terminals.filter((t) => t.online).map((t) => t.id);
          if (up.length)
            await c.query(
              `UPDATE device_outages SET ended_at = $3 WHERE gateway_id = $1 AND terminal = ANY($2::text[]) AND ended_at IS NULL`,
              [gateway.gatewayId, up, iso],
            );
          if (down.length)
            await c.query(
              `INSERT INTO device_outages (school_id, gateway_id, terminal, started_at)
               SELECT $2, $1, t, $4 FROM unnest($3::text[]) AS t
               ON CONFLICT (gateway_id, terminal) WHERE ended_at IS NULL DO NOTHING`,
              [gateway.gatewayId, gateway.schoolId, down, iso],
            );
          await c.query(
            `INSERT INTO terminals (gateway_id, id, school_id, online, last_seen_at)
             SELECT $1, t.id, $2, t.online, t.last_seen FROM unnest($3::text[], $4::boolean[], $5::timestamptz[]) AS t(id, online, last_seen)
             ON CONFLICT (gateway_id, id) DO UPDATE SET online = EXCLUDED.online, last_seen_at = EXCLUDED.last_seen_at`,
            [
              gateway.gatewayId,
              gateway.schoolId,
              s.terminals.map((t) => t.id),
              s.terminals.map((t) => t.online),
              s.terminals.map((t) => t.lastSeen),
            ],
          );
        }
      } else {
        await c.query(`UPDATE gateways SET online = false, last_seen_at = $2 WHERE id = $1`, [
          gateway.gatewayId,
          at.toISOString(),
        ]);
        await c.query(`UPDATE terminals SET online = false WHERE gateway_id = $1`, [gateway.gatewayId]);
        await c.query(
          `INSERT INTO device_outages (school_id, gateway_id, terminal, started_at) VALUES ($2, $1, '', $3)
           ON CONFLICT (gateway_id, terminal) WHERE ended_at IS NULL DO NOTHING`,
          [gateway.gatewayId, gateway.schoolId, at.toISOString()],
        );
      }
      return prev?.online ?? false;
    });
  }
}
