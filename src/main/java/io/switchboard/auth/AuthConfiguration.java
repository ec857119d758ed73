package io.switchboard.auth;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.switchboard.relay.ConnectAuthenticator;

/**
 * Connect tokens: in token mode, the relay's {@link ConnectAuthenticator}; in any mode, the
 * {@link TokenMinter} of the admin API, which signs when a secret is set.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuthProperties.class)
class AuthConfiguration {

    @Bean
    @ConditionalOnProperty(name = "switchboard.auth.mode", havingValue = "token")
    ConnectAuthenticator connectAuthenticator(AuthProperties properties) {
        return new JwtConnectAuthenticator(ConnectTokenDecoders.decoder(properties.jwt(), properties.helloTimeout()),
                properties.helloTimeout());
    }

    @Bean
    TokenMinter tokenMinter(AuthProperties properties) {
        return new TokenMinter(properties.jwt(), Clock.systemUTC());
    }
}
