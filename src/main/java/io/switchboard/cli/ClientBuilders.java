package io.switchboard.cli;

import org.jspecify.annotations.Nullable;

import io.switchboard.client.ClientTls;
import io.switchboard.client.SwitchboardClient;

/** The clients the commands make: one address, and the command line's token and TLS when given. */
public final class ClientBuilders {

    private ClientBuilders() {
    }

    /**
     * @param token the connect token every connection sends, null for none
     * @param tls the TLS settings, null for plain TCP
     */
    public static SwitchboardClient.Builder to(HostPort address, @Nullable String token, @Nullable ClientTls tls) {
        SwitchboardClient.Builder builder = SwitchboardClient.builder(address.host(), address.port());
        if (token != null) {
            builder.token(() -> token);
        }
        if (tls != null) {
            builder.tls(tls);
        }
        return builder;
    }
}
