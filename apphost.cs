#:sdk Aspire.AppHost.Sdk@13.6.4
#:package Aspire.Hosting.AppHost@13.6.5
// Named so restore takes exactly the versions the package feed serves (otherwise NU1603).
#:package Polly.Core@8.8.0
#:package Nerdbank.MessagePack@1.3.88
// The dashboard and DCP come from NuGet packages here, not from the Aspire CLI bundle.
#:property NoWarn=$(NoWarn);ASPIRE010

var builder = DistributedApplication.CreateBuilder(args);

// Secret: the dashboard asks for it when `Parameters:openai-api-key` is not configured.
var apiKey = builder.AddParameter("openai-api-key", secret: true)
    .WithDescription("API key for OpenAI, or for the OpenAI-compatible server at openai-base-url.");

// Optional: configuration wins, and empty means "the app's own default" (api.openai.com, its model).
// AddParameter(name, "value") would ignore configuration, hence the callback.
IResourceBuilder<ParameterResource> Optional(string name) =>
    builder.AddParameter(name, () => builder.Configuration[$"Parameters:{name}"] ?? "");
var baseUrl = Optional("openai-base-url");
var model = Optional("openai-model");

// Run mode is `bun run dev` spelled out: a `bun run` killed by the orchestrator would leave
// its child serving. A deployment runs the executable that `bun run build` writes.
var chat = builder.ExecutionContext.IsPublishMode
    ? builder.AddExecutable("chat", "./dist/chat", ".")
    : builder.AddExecutable("chat", "bun", ".", "--hot", "src/main.ts")
        .WithEnvironment("NODE_ENV", "development");

// CHAT_PORT pins the chat's URL (scripts, tests); without it Aspire picks a free port.
int? chatPort = int.TryParse(builder.Configuration["CHAT_PORT"], out var port) ? port : null;

chat.WithHttpEndpoint(port: chatPort, env: "PORT")
    .WithExternalHttpEndpoints()
    .WithEnvironment("OPENAI_API_KEY", apiKey)
    .WithEnvironment("OPENAI_BASE_URL", baseUrl)
    .WithEnvironment("OPENAI_MODEL", model)
    // Bun reads this only at process start; without it the app re-runs itself to get it.
    .WithEnvironment("BUN_CONFIG_MAX_HTTP_REQUESTS", "65535")
    // The app's exporter speaks OTLP/HTTP protobuf, so it needs the dashboard's HTTP endpoint.
    .WithOtlpExporter(OtlpProtocol.HttpProtobuf)
    .WithHttpHealthCheck("/healthz");

builder.Build().Run();
