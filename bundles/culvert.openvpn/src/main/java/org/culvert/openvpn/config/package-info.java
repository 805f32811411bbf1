/**
 * OpenVPN 2.6 configuration, as files and as command lines, parsed into an immutable, validated
 * {@link org.culvert.openvpn.config.OpenVpnOptions}. Errors are
 * {@link org.culvert.openvpn.config.ConfigException}s whose message is one line naming the option
 * and where it was found.
 * <p>1.3: {@code Proxy} and {@code OpenVpnOptions.proxy()} ({@code --http-proxy}, {@code --socks-proxy}).
 * <p>1.3: {@code AuthUserPass} ({@code --auth-user-pass}, {@code --auth-retry}, {@code --auth-nocache},
 * {@code --static-challenge}), {@code OpenVpnOptions.authToken()}/{@code authTokenUser()},
 * {@code Management.queryPasswords()}.
 * <p>1.2: {@code Compression} gains {@code LZO}, {@code LZ4}, {@code LZ4_V2} (decompressed on receive).
 * <p>1.3: {@code OpenVpnOptions.routeSettings()} ({@code RouteSettings}, {@code Redirect}, {@code DnsOptions}),
 * {@code Route} gains its {@code SpecialAddress} components (net_gateway, remote_host).
 * <p>1.3: {@code PkiOptions} ({@code --remote-cert-ku}, {@code --remote-cert-eku}, {@code --crl-verify},
 * {@code --pkcs12}, {@code --askpass}, {@code --extra-certs}, {@code --tls-crypt-v2}) as {@code TlsOptions.pki()}.
 * <p>1.3: connection profiles: {@code ConnectionEntry}, {@code OpenVpnOptions.connections()},
 * {@code forConnection}, {@code remoteRandom}, {@code remoteRandomHostname}, {@code connectRetryMaxCount};
 * {@code Proto.optionName()}.
 * <p>1.3: pull mode: {@code OpenVpnOptions.pull()}, {@code echo()}, {@code setenvSafe()}; {@code PullOptions},
 * {@code PullFilter}, {@code PullPermission}, and {@code PushReply} producing {@code PushedOptions}.
 * <p>1.4: server mode: {@code OpenVpnOptions.server()} ({@code ServerSettings}: {@code --server},
 * {@code --server-ipv6}, {@code --mode server}, pools, {@code --push}, ccd, limits, the per-client hooks),
 * {@code ClientConfigOptions} (a client-config-dir file), {@code AddressMath}; {@code Management.clientAuth()} ({@code --management-client-auth}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.culvert.openvpn.config;
