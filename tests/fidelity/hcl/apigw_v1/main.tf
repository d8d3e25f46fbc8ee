provider "aws" {
  region = "us-east-1"
}

resource "aws_api_gateway_rest_api" "rest" {
  name = "rest"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "items" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  parent_id   = aws_api_gateway_rest_api.rest.root_resource_id
  path_part   = "items"
}

resource "aws_api_gateway_method" "get_items" {
  rest_api_id   = aws_api_gateway_rest_api.rest.id
  resource_id   = aws_api_gateway_resource.items.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "get_items_mock" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  resource_id = aws_api_gateway_resource.items.id
  http_method = "GET"
  type        = "MOCK"
}

resource "aws_api_gateway_deployment" "v1" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  depends_on  = [aws_api_gateway_method.get_items, aws_api_gateway_integration.get_items_mock]
}

resource "aws_cloudwatch_log_group" "rest_access" {
  name              = "/apigw/rest"
  retention_in_days = 365
}

resource "aws_api_gateway_stage" "live" {
  rest_api_id           = aws_api_gateway_rest_api.rest.id
  deployment_id         = aws_api_gateway_deployment.v1.id
  stage_name            = "live"
  xray_tracing_enabled  = true
  cache_cluster_enabled = true
  cache_cluster_size    = "0.5"
  client_certificate_id = "cert-1"
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.rest_access.arn
    format          = "$context.requestId"
  }
}

resource "aws_api_gateway_stage" "test" {
  rest_api_id   = aws_api_gateway_rest_api.rest.id
  deployment_id = aws_api_gateway_deployment.v1.id
  stage_name    = "test"
}
