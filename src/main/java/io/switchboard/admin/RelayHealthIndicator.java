package io.switchboard.admin;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayEndpoint;

/**
 * UP while the relay's TCP listener takes connections; DOWN when it does not (not listening
 * yet, or the listener failed); OUT_OF_SERVICE once shutdown has begun, so that readiness,
 * which includes this indicator, reads OUT_OF_SERVICE during a drain rather than DOWN.
 */
@Component("relayHealthIndicator")
class RelayHealthIndicator implements HealthIndicator {

    private final RelayEndpoint endpoint;
    private final ClientRegistry registry;

    RelayHealthIndicator(RelayEndpoint endpoint, ClientRegistry registry) {
        this.endpoint = endpoint;
        this.registry = registry;
    }

    @Override
    public Health health() {
        Health.Builder health;
        if (this.endpoint.isAccepting()) {
            health = Health.up();
        }
        else if (this.endpoint.isShuttingDown()) {
            health = Health.outOfService();
        }
        else {
            health = Health.down();
        }
        return health.withDetail("port", this.endpoint.port()).withDetail("clients", this.registry.size()).build();
    }
}
