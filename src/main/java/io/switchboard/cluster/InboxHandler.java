package io.switchboard.cluster;

/** Sends each record read from this node's inbox to the part of the cluster it is for. */
final class InboxHandler implements ClusterFrames.Handler {

    private final LocalDelivery delivery;
    private final RemoteRouter remote;
    private final ClusterDirectory directory;

    InboxHandler(LocalDelivery delivery, RemoteRouter remote, ClusterDirectory directory) {
        this.delivery = delivery;
        this.remote = remote;
        this.directory = directory;
    }

    @Override
    public void message(String from, long ticket, int src, int dest, byte[] entry, int offset, int length) {
        this.delivery.deliver(from, ticket, src, dest, entry, offset, length);
    }

    @Override
    public void expired(String from, long ticket) {
        this.delivery.expired(from, ticket);
    }

    @Override
    public void messagesRead(String from, long lastTicket) {
        this.delivery.taken(from, lastTicket);
    }

    @Override
    public void outcome(String from, long ticket, int status) {
        this.remote.outcome(from, ticket, status);
    }

    @Override
    public void disconnect(String from, int id) {
        this.directory.disconnectLocal(id);
    }

    @Override
    public void request(String from, long request, byte kind, byte[] body) {
        this.directory.answer(from, request, kind, body);
    }

    @Override
    public void reply(String from, long request, byte[] body) {
        this.directory.replied(from, request, body);
    }
}
