// The local OpenID Connect provider the social sign-in tests run against ships no types.
declare module 'oidc-provider';
