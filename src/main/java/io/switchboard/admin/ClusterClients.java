package io.switchboard.admin;

import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import io.switchboard.cluster.ClusterDirectory;
import io.switchboard.relay.MessageOrigin;
import io.switchboard.relay.OfferResult;

/**
 * The clients of every node of the cluster, through {@link ClusterDirectory}: each shown with
 * the node it is connected to. A node that does not answer within the cluster's ack-timeout is
 * named in the answer (list, broadcast) or makes it a 504 (one client), rather than passing
 * for a node without clients.
 */
final class ClusterClients implements Clients {

    private final ClusterDirectory directory;

    ClusterClients(ClusterDirectory directory) {
        this.directory = directory;
    }

    /** Every live node's load, for the console's node table. */
    ClusterDirectory.NodeLoads loads() {
        return this.directory.loads();
    }

    @Override
    public ClientPage page(long after, int limit) {
        ClusterDirectory.ClientsPage page = this.directory.clients(after, limit);
        Long next = page.more() ? page.clients().getLast().id() : null;
        return new ClientPage(page.clients().stream().map(ClientView::of).toList(), next, page.unanswered());
    }

    @Override
    public Optional<ClientView> get(int id) {
        return lookUp(id).map(ClientView::of);
    }

    @Override
    public boolean disconnect(int id) {
        // Asked first, rather than trusting a cached holder: a client that has left its node is a 404, not a 204.
        return lookUp(id).isPresent() && this.directory.disconnect(Integer.toUnsignedLong(id));
    }

    @Override
    public boolean isConnected(int id) {
        return this.directory.nodeOf(Integer.toUnsignedLong(id)).isPresent();
    }

    @Override
    public OfferResult offer(int id, byte[] payload, MessageOrigin origin, long waitNanos) {
        return this.directory.send(Integer.toUnsignedLong(id), payload, origin, waitNanos);
    }

    @Override
    public Recipients broadcast(byte[] payload) {
        ClusterDirectory.BroadcastResult result = this.directory.broadcast(payload);
        return new Recipients(result.recipients(), result.unanswered());
    }

    private Optional<ClusterDirectory.ClusterClient> lookUp(int id) {
        try {
            return this.directory.client(Integer.toUnsignedLong(id));
        }
        catch (ClusterDirectory.NodeDidNotAnswerException ex) {
            throw new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT,
                    "Node " + ex.node() + ", which holds this client, did not answer in time");
        }
    }
}
