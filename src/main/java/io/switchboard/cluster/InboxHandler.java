package io.switchboard.cluster;

import org.jspecify.annotations.Nullable;

import io.switchboard.protocol.ErrorCode;

/**
 * Sends each record read from this node's inbox to the part of the cluster it is for. Runs on
 * the inbox reader, the one thread that reads the inbox, and never waits: a record that would
 * (a message for a full queue) is handed on by {@link LocalDelivery}.
 */
final class InboxHandler implements ClusterCodec.Handler {

    private final NodeLinks links;
    private final LocalDelivery delivery;
    private final NodeRequests requests;
    private final LocalNode local;
    /**
     * The link of the entry being read, looked up once per entry ({@link ClusterCodec#read}
     * names an entry's sender with one string), and the string; both set together. Used by the
     * inbox reader only.
     */
    private @Nullable String lastFrom;
    private @Nullable NodeLink lastLink;

    InboxHandler(NodeLinks links, LocalDelivery delivery, NodeRequests requests, LocalNode local) {
        this.links = links;
        this.delivery = delivery;
        this.requests = requests;
        this.local = local;
    }

    /** The link to {@code from}, made if there is none. */
    private NodeLink linkOf(String from) {
        NodeLink link = (from == this.lastFrom) ? this.lastLink : null;
        return (link != null) ? link : remember(from, this.links.link(from));
    }

    /** The link to {@code from} if there is one: what comes from a node that has left is not answered. */
    private @Nullable NodeLink existingLinkOf(String from) {
        NodeLink link = (from == this.lastFrom) ? this.lastLink : null;
        if (link != null) {
            return link;
        }
        link = this.links.existing(from);
        return (link != null) ? remember(from, link) : null;
    }

    private NodeLink remember(String from, NodeLink link) {
        this.lastFrom = from;
        this.lastLink = link;
        return link;
    }

    @Override
    public void message(String from, long ticket, int src, int dest, byte[] entry, int offset, int length) {
        this.delivery.deliver(linkOf(from), ticket, src, dest, entry, offset, length);
    }

    @Override
    public void run(String from, long firstTicket, int src, byte[] entry, int start, int end) {
        this.delivery.deliverRun(linkOf(from), firstTicket, src, entry, start, end);
    }

    @Override
    public void expired(String from, long ticket) {
        linkOf(from).failed(ErrorCode.DESTINATION_GONE, 0, ticket);
    }

    @Override
    public void messagesRead(String from, long lastTicket) {
        linkOf(from).reportTaken(lastTicket);
    }

    @Override
    public void outcome(String from, long ticket, int status) {
        NodeLink link = existingLinkOf(from);
        if (link != null) {
            link.outcome(ticket, status);
        }
    }

    @Override
    public void written(String from, long firstTicket, int count) {
        NodeLink link = existingLinkOf(from);
        if (link != null) {
            link.written(firstTicket, count);
        }
    }

    @Override
    public void disconnect(String from, int id) {
        this.local.disconnect(id);
    }

    @Override
    public void request(String from, long request, byte kind, byte[] body) {
        byte[] reply = this.requests.answer(from, kind, body);
        if (reply != null) {
            linkOf(from).reply(request, reply);
        }
    }

    @Override
    public void reply(String from, long request, byte[] body) {
        NodeLink link = existingLinkOf(from);
        if (link != null) {
            link.replied(request, body);
        }
    }
}
