import { ExactNumber, type StoreRecord } from '../../core/values';
import { at, DAY_MS, DEMO_AGENT_IDS, type DemoContext, iso, othersOf } from './context';
import { CHAT, TICKETS, type TicketTopic } from './phrases';

// ---------------------------------------------------------------------------------------------
// support-tickets: the player's messages and the agents' answers. Agents appear by staff id, and
// the report ticket names the reported player by id: both must leave the export as pseudonyms.

const TOPICS: readonly TicketTopic[] = ['payment', 'bug', 'report'];

export function* supportTicketItems(ctx: DemoContext): Generator<StoreRecord> {
  for (const p of ctx.personas) {
    const rng = ctx.rngFor(ctx.seed, 'support-tickets', p.playerId);
    const topics = p.playerId === ctx.demoPlayerId ? TOPICS : rng.sample(TOPICS, rng.int(1, 2));
    for (const [i, topic] of topics.entries()) {
      const [subject, question, answer, thanks] = TICKETS[p.lang][topic];
      const opened = at(rng, Date.parse(p.createdAt), ctx.dataEnd - 10 * DAY_MS);
      const agentId = rng.pick(DEMO_AGENT_IDS);
      const answered = opened + rng.int(1, 48) * 3_600_000;
      // Thai tickets are answered through machine translation [004 §11.1].
      const translated = p.lang === 'th';
      const messages: StoreRecord[] = [
        { from: 'player', sentAt: iso(opened), body: question },
        { from: 'agent', agentId, sentAt: iso(answered), body: answer, machineTranslated: translated },
      ];
      // The demo player's newest ticket is still waiting for their reply.
      const open = p.playerId === ctx.demoPlayerId && i === topics.length - 1;
      const ticket: StoreRecord = {
        playerId: p.playerId,
        ticketId: `tkt-${iso(opened).slice(0, 10).replace(/-/g, '')}-${rng.hex(6)}`,
        openedAt: iso(opened),
        topic,
        subject,
        status: open ? 'waiting-for-player' : 'solved',
        language: p.lang,
        assignedAgentId: agentId,
      };
      if (topic === 'report') ticket.reportedPlayerId = rng.pick(othersOf(ctx, p.playerId));
      if (!open) {
        const closed = answered + rng.int(1, 72) * 3_600_000;
        messages.push({ from: 'player', sentAt: iso(closed - 600_000), body: thanks });
        ticket.closedAt = iso(closed);
        ticket.satisfaction = new ExactNumber(String(rng.int(3, 5)));
      }
      ticket.messages = messages;
      yield ticket;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// private-messages: one item per message, found by the sender through bySender and by the
// recipient through byRecipient. Every player writes in their own language.

export function* privateMessageItems(ctx: DemoContext): Generator<StoreRecord> {
  const ids = ctx.personas.map((p) => p.playerId);
  const langOf = new Map(ctx.personas.map((p) => [p.playerId, p.lang]));
  for (const [i, a] of ids.entries()) {
    for (const b of ids.slice(i + 1)) {
      const rng = ctx.rngFor(ctx.seed, 'private-messages', a, b);
      // The demo player talks to everyone; the others to about half of each other.
      if (a !== ctx.demoPlayerId && !rng.chance(0.5)) continue;
      const conversationId = `conv-${rng.hex(12)}`;
      let when = at(rng, Date.UTC(2024, 0, 1), ctx.dataEnd - 30 * DAY_MS);
      const count = rng.int(2, 6);
      for (let n = 0; n < count; n++) {
        // The first message goes each way in turn, so the demo player both sends and receives.
        const [sender, recipient] = (n + ids.indexOf(b)) % 2 === 0 ? [a, b] : [b, a];
        const message: StoreRecord = {
          conversationId,
          messageId: `msg-${String(n).padStart(4, '0')}`,
          senderId: sender,
          recipientId: recipient,
          sentAt: iso(when),
          body: rng.pick(CHAT[langOf.get(sender) ?? 'en']),
        };
        if (n < count - 1 || rng.chance(0.5)) message.readAt = iso(when + rng.int(30, 7200) * 1000);
        yield message;
        when += rng.int(5 * 60, 2 * 86_400) * 1000;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// chat-logs: kept 7 days. All of the demo player's lines are older than that (exported all the
// same, and reported as a retention finding); the others have lines on both sides of the line.

const CHANNELS = ['global', 'clan', 'match', 'whisper'] as const;

export function* chatLogItems(ctx: DemoContext): Generator<StoreRecord> {
  for (const p of ctx.personas) {
    const rng = ctx.rngFor(ctx.seed, 'chat-logs', p.playerId);
    const isDemo = p.playerId === ctx.demoPlayerId;
    const others = othersOf(ctx, p.playerId);
    const count = rng.int(6, 12);
    const times = Array.from({ length: count }, (_, i) =>
      isDemo || i % 2 === 0
        ? at(rng, ctx.now - 30 * DAY_MS, ctx.now - 9 * DAY_MS)
        : at(rng, ctx.now - 5 * DAY_MS, ctx.now - 3_600_000),
    ).sort((x, y) => x - y);
    for (const sent of times) {
      const channel = rng.pick(CHANNELS);
      const line: StoreRecord = {
        playerId: p.playerId,
        messageId: `${iso(sent)}#${rng.hex(4)}`,
        sentAt: iso(sent),
        channel,
        text: rng.pick(CHAT[p.lang]),
      };
      if (channel === 'whisper') line.whisperToId = rng.pick(others);
      yield line;
    }
  }
}
