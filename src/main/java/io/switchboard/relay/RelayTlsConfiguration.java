package io.switchboard.relay;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** TLS on the relay port, when {@code switchboard.tcp.ssl.bundle} names a bundle; plain TCP otherwise. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("switchboard.tcp.ssl.bundle")
class RelayTlsConfiguration {

    @Bean
    RelayTls relayTls(RelayProperties properties, SslBundles bundles, MeterRegistry meters) {
        return RelayTls.start(properties.tcp().ssl(), bundles, meters);
    }
}
