# The smartmate-mock container image: the static binary on an empty base.
#
# Build it with `make image`, which first writes the build context under
# build/image/: the binary built with CGO_ENABLED=0, the CA certificates of
# the build machine (for TLS requests to remote JWKS endpoints), and passwd
# and group files that name the non-root user. Nothing is compiled or
# downloaded here, so the build needs no base image and no network.
FROM scratch

COPY build/image/etc/ /etc/
COPY build/image/smartmate-mock /smartmate-mock

# 65532 is the conventional "nonroot" id of distroless images. Realm files
# mounted into /opt/keycloak/data/import must be readable by it.
USER 65532:65532

# Realm files are read from Keycloak's import folder when it exists, and a
# command written for Keycloak's image, such as "start-dev --import-realm",
# works too, so a compose file can swap Keycloak for this image by changing
# the image name. The healthcheck reads KC_HTTP_PORT, so set the port with
# it rather than with --http-port.
ENV KC_HTTP_PORT=8080 \
    SMARTMATE_MOCK_IMPORT_REALM=/opt/keycloak/data/import
EXPOSE 8080

# The image has no shell and no curl, so the binary checks its own
# readiness endpoint.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/smartmate-mock", "healthcheck"]

ENTRYPOINT ["/smartmate-mock"]
