using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Actors.Host.Api;

/// <summary>
/// Declares the API key in the OpenAPI document: an <c>apiKey</c> scheme in the <c>X-Api-Key</c> header,
/// required by every <c>/api</c> operation (the service enforces it only when it listens beyond loopback).
/// </summary>
internal sealed class OpenApiSecurity : IOpenApiDocumentTransformer
{
    private const string Scheme = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyMiddleware.Header,
            Description = "Required when the service listens beyond loopback (Service:ApiKey).",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api", StringComparison.Ordinal) || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(requirement);
            }
        }

        return Task.CompletedTask;
    }
}
