package io.switchboard.admin;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayProperties;
import io.switchboard.relay.Router;

/** The admin API's own pieces; the relay's come from its configuration. */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

    @Bean
    OperatorSender operatorSender(ClientRegistry registry, Router router, RelayProperties relay,
            AdminProperties admin) {
        return new OperatorSender(registry, router, relay.overflowPolicy(), admin.sendTimeout());
    }

    @Bean
    RequestBodies requestBodies(RelayProperties relay) {
        return new RequestBodies(relay.maxPayloadBytes().toBytes());
    }
}
