//! Service certificates (志愿服务证明) as PDF, and QR codes.
