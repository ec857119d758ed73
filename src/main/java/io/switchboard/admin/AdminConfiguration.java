package io.switchboard.admin;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.switchboard.cluster.ClusterDirectory;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayProperties;
import io.switchboard.relay.Router;

/** The admin API's own pieces; the relay's come from its configuration. */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

    /** Every node's clients in cluster mode, where the cluster's directory exists; else this node's. */
    @Bean
    Clients clients(ObjectProvider<ClusterDirectory> cluster, ClientRegistry registry, Router router) {
        ClusterDirectory directory = cluster.getIfAvailable();
        return (directory != null) ? new ClusterClients(directory) : new LocalClients(registry, router);
    }

    @Bean
    OperatorSender operatorSender(Clients clients, RelayProperties relay, AdminProperties admin) {
        return new OperatorSender(clients, relay.overflowPolicy(), admin.sendTimeout());
    }

    @Bean
    RequestBodies requestBodies(RelayProperties relay) {
        return new RequestBodies(relay.maxPayloadBytes().toBytes());
    }
}
