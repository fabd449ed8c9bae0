import type { NotificationChannel } from './channels/channel.js';
import { ChannelRegistry } from './channel-registry.js';

function channel(name: 'email' | 'sms', close?: () => void | Promise<void>): NotificationChannel {
  return {
    name,
    limits: { concurrency: 1, perSecond: 1 },
    canReach: () => true,
    send: () => Promise.resolve({ outcome: 'sent' }),
    ...(close ? { close } : {}),
  } as NotificationChannel;
}

describe('ChannelRegistry.close (shutdown)', () => {
  it('closes every channel that holds something open, also when another one fails to close', async () => {
    const closed: string[] = [];
    const registry = new ChannelRegistry();
    registry.register(
      channel('sms', () => {
        throw new Error('already closed');
      }),
    );
    registry.register(channel('email', () => void closed.push('email')));
    await expect(registry.close()).resolves.toBeUndefined();
    expect(closed).toEqual(['email']);
  });

  it('skips channels without close()', async () => {
    const registry = new ChannelRegistry();
    registry.register(channel('sms'));
    await expect(registry.close()).resolves.toBeUndefined();
  });
});
