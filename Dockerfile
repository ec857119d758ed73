# syntax=docker/dockerfile:1
# Switchboard's image: built and tested with the command CI runs, run on a JRE of the same Java.
#
#   docker build -t switchboard:latest .
#   docker run --rm -p 7070:7070 -p 8080:8080 switchboard:latest

# Build stage: the same `./mvnw -B verify` as .ci/run, so an image only exists for a jar whose
# tests passed. The cache mount keeps ~/.m2 (dependencies and the Maven the wrapper fetches)
# between builds without putting it in a layer.
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B verify
# Split the fat jar into Spring Boot's layers (dependencies, spring-boot-loader,
# snapshot-dependencies, application) so that the run stage copies them one by one and a change
# to the application alone leaves the dependency layers cached.
RUN java -Djarmode=tools -jar target/switchboard.jar extract --layers --destination /layers

# Run stage: a JRE of the same Java version, the layers least likely to change first.
FROM eclipse-temurin:25-jre AS run
# A fixed numeric user: Kubernetes can only check runAsNonRoot against a numeric UID, and the
# manifests in deploy/kubernetes run as this same one.
RUN groupadd --system --gid 10001 switchboard \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin switchboard
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001:10001
# 7070: the TCP relay (switchboard.tcp.port); 8080: admin API and actuator (server.port).
EXPOSE 7070 8080
# The one place the JVM flags live; the Kubernetes manifests do not set them again.
# MaxRAMPercentage sizes the heap from the container's memory limit, not the node's. G1 is named
# because in a container under 2 CPUs or 1792 MiB the JVM would otherwise pick the Serial
# collector. ExitOnOutOfMemoryError lets the orchestrator restart a broken JVM rather than keep it.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError"
# Exec form: java is PID 1 and gets SIGTERM itself, so Spring's graceful shutdown runs.
ENTRYPOINT ["java", "-jar", "switchboard.jar"]
