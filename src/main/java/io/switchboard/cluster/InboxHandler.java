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

    InboxHandler(NodeLinks links, LocalDelivery delivery, NodeRequests requests, LocalNode local) {
        this.links = links;
        this.delivery = delivery;
        this.requests = requests;
        this.local = local;
    }

    /**
     * The link of the entry being read, looked up once per entry: {@link ClusterCodec#read}
     * names an entry's sender with one string. Used by the inbox reader only.
     */
    private @Nullable String lastFrom;
    private @Nullable NodeLink lastLink;

    @Override
    public void message(String from, long ticket, int src, int dest, byte[] entry, int offset, int length) {
        this.delivery.deliver(linkOf(from), ticket, src, dest, entry, offset, length);
    }

    /** The link to {@code from} if there is one: what comes from a node that has left is not answered. */
    private @Nullable NodeLink existingLinkOf(String from) {
        if (from == this.lastFrom && this.lastLink != null) {
            return this.lastLink;
        }
        NodeLink link = this.links.existing(from);
        if (link != null) {
            this.lastFrom = from;
            this.lastLink = link;
        }
        return link;
    }

    /** The link to {@code from}, made if there is none. */
    private NodeLink linkOf(String from) {
        NodeLink link = this.lastLink;
        if (from != this.lastFrom || link == null) {
            link = this.links.link(from);
            this.lastFrom = from;
            this.lastLink = link;
        }
        return link;
    }

    @Override
    public void expired(String from, long ticket) {
        this.links.link(from).failed(ErrorCode.DESTINATION_GONE, 0, ticket);
    }

    @Override
    public void messagesRead(String from, long lastTicket) {
        this.links.link(from).reportTaken(lastTicket);
    }

    @Override
    public void outcome(String from, long ticket, int status) {
        NodeLink link = existingLinkOf(from);
        if (link != null) {
            link.outcome(ticket, status);
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
            this.links.link(from).reply(request, reply);
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
