package io.switchboard.cluster;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Answers the questions other nodes ask this one ({@link ClusterCodec}'s request kinds), on the
 * inbox reader: nothing here waits.
 */
final class NodeRequests {

    private static final Log logger = LogFactory.getLog(NodeRequests.class);

    private final LocalNode local;
    private final Holders holders;

    NodeRequests(LocalNode local, Holders holders) {
        this.local = local;
        this.holders = holders;
    }

    /** @return the reply's body, null for a kind this version does not know (the asker times out) */
    byte @Nullable [] answer(String from, byte kind, byte[] body) {
        switch (kind) {
            case ClusterCodec.LIST -> {
                ClusterCodec.ListRequest list = ClusterCodec.readListRequest(body);
                return ClusterCodec.clientsBody(this.local.clients(list.after(), list.limit()));
            }
            case ClusterCodec.GET -> {
                return ClusterCodec.clientsBody(
                        this.local.client(ClusterCodec.readId(body)).map(List::of).orElse(List.of()));
            }
            case ClusterCodec.BROADCAST -> {
                return ClusterCodec.countBody(this.local.broadcast(body));
            }
            case ClusterCodec.LOAD -> {
                return ClusterCodec.loadBody(this.local.load());
            }
            case ClusterCodec.TAKEN_OVER -> {
                int id = ClusterCodec.readId(body);
                this.holders.movedTo(id, from);
                this.local.disconnect(id);
                return new byte[0];
            }
            default -> {
                logger.warn("Unknown request kind " + kind + " from node " + from);
                return null;
            }
        }
    }
}
